using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Pipeline.Local;

/// <summary>
/// What the local API host grants one client, so that slow or idle clients cannot hold its
/// memory or its connections: a cap on open connections (those over it are closed at once),
/// and a deadline for each request's headers and, separately, its body. Bodies are held only
/// as their bytes arrive (<see cref="RequestBody"/>), never sized from the declared length.
/// </summary>
public sealed record ApiHostLimits
{
    /// <summary>Open connections at most; Kestrel closes any further one as it is accepted.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>
    /// How long a request's headers may take to arrive, and then its body: a client that stalls
    /// gets a 408 and its connection is closed. A 10 MB body over a 1 MB/s link takes 10 s.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an idle keep-alive connection stays open (Kestrel's own default is 130 s).</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad limit.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1, nameof(MaxConnections));
        // Kestrel checks its timeouts once a second.
        ArgumentOutOfRangeException.ThrowIfLessThan(ReadTimeout, TimeSpan.FromSeconds(1), nameof(ReadTimeout));
    }

    /// <summary>Sets Kestrel's own limits (validated ones): connections, header and keep-alive timeouts, no body size limit (the gateway answers 413 itself).</summary>
    public void ApplyTo(KestrelServerOptions kestrel)
    {
        kestrel.Limits.MaxConcurrentConnections = MaxConnections;
        kestrel.Limits.RequestHeadersTimeout = ReadTimeout;
        kestrel.Limits.KeepAliveTimeout = KeepAliveTimeout;
        kestrel.Limits.MaxRequestBodySize = null;
    }
}
