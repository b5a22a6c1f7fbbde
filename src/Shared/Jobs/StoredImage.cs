namespace Pipeline.Jobs;

/// <summary>An encoded result to store for a job.</summary>
/// <param name="Bytes">The encoded image.</param>
/// <param name="MediaType">Its media type, e.g. <c>image/jpeg</c>.</param>
public sealed record StoredImage(byte[] Bytes, string MediaType);
