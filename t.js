const h = new Headers(); h.append('host', '127.0.0.1:1'); new Headers(h); 1
