namespace Pipeline.Jobs;

/// <summary>A presigned PUT: the URL, and the headers the request must carry exactly as the URL signs them.</summary>
/// <param name="Url">The presigned URL.</param>
/// <param name="Headers">Content-Type, Content-Length and If-None-Match, with their signed values.</param>
/// <param name="ExpiresAt">When the URL stops working.</param>
public sealed record PresignedUpload(string Url, IReadOnlyDictionary<string, string> Headers, DateTimeOffset ExpiresAt);
