import Habitat
import Supervision
import Certificates

/// The lifecycle of one service, shared by `roost start` and `roost dev`.
public enum Runtime {}
