/// Key and self-signed certificate creation, created once under a lock.
public enum Certificates {}
