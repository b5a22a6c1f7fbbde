namespace Pipeline.Api.Web;

/// <summary>One file of the web page, as embedded in the assembly.</summary>
/// <param name="ContentType">The Content-Type it is served with.</param>
/// <param name="Bytes">Its content.</param>
public sealed record PageFile(string ContentType, byte[] Bytes);
