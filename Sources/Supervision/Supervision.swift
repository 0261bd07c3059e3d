import CSupport

/// Process supervision: spawn, signals, the one reaper, hooks, restarts, health.
public enum Supervision {}
