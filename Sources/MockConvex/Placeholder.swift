import EventHTTP
