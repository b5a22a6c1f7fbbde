namespace Pipeline.Cli.Runs;

/// <summary>A file or object that failed, and why (the report's code and message, or a local reason).</summary>
/// <param name="Path">The local path (convert) or key (backfill, status).</param>
/// <param name="Reason">Why, e.g. <c>corrupt_image: The JPEG data is truncated.</c></param>
public sealed record Failure(string Path, string Reason);
