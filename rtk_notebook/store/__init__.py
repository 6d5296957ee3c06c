"""The history store: call quality kept as Parquet on any fsspec filesystem, and its trends."""
