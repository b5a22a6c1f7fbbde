namespace Pipeline.Api.Gateway;

/// <summary>What <see cref="ProxyBody.Scan"/> found at a proxy document's top level.</summary>
/// <param name="Start">Where the body's bytes start (in <paramref name="Unescaped"/> when set, else in the document).</param>
/// <param name="Length">The body's length in bytes, still encoded.</param>
/// <param name="Unescaped">A copy of the body when JSON escapes had to be undone.</param>
/// <param name="IsBase64">The document's isBase64Encoded.</param>
/// <param name="Version">The document's "version", e.g. "2.0", or null.</param>
public readonly record struct ProxyScan(int Start, int Length, byte[]? Unescaped, bool IsBase64, string? Version);
