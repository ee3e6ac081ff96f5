"""Local systems for the demo and the tests: a PrestaShop webservice, a real Tryton server."""
