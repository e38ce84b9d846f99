/// How a daemon runs work.
package enum ServerMode: Sendable, Hashable {
    /// On its own fast and slow worker pools.
    case local
    /// On remote `memqd --worker` processes that connect to the configured backend endpoint.
    case broker
}
