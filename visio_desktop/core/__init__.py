"""Pure building blocks shared by client and server: links, protocol, errors."""
