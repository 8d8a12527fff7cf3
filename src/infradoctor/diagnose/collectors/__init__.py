"""Live-host evidence collectors: one module per layer, each `collect(ctx, bundle)`."""
