"""Portal pages and operations endpoints of the kernel, one module per area."""
