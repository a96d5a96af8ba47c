'use strict';
// Keyword fields: select2 over the vocabulary, with free words allowed (they become unmapped keywords).
(function($) {
    function init(element) {
        const $select = $(element);
        $select.select2({
            tags: true,
            tokenSeparators: [';'],
            width: '60em',
            ajax: {
                url: $select.data('autocomplete-url'),
                dataType: 'json',
                delay: 150,
                data: (params) => ({term: params.term || ''}),
                processResults: (data) => data,
            },
        });
    }
    $(function() { $('select.dam-keywords').each((index, element) => init(element)); });
})(django.jQuery);
