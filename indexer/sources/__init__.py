"""What the indexer follows, as data: contract specs (``spec``), Lancer's platform contracts
(``platform``) and EAS filtered to Lancer's schemas (``eas``)."""
