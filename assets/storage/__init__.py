"""Where dam keeps bytes: content-addressed raw files (blobs), the S3 backend, delivery copies, thumbnails."""
