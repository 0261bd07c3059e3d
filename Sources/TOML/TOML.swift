/// TOML 1.0 decoding that keeps source key order.
public enum TOML {}
