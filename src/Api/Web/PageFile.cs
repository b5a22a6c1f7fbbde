namespace Pipeline.Api.Web;

/// <summary>One file of the web page, as embedded in the assembly.</summary>
/// <param name="Name">Its name under /assets/ (or index.html).</param>
/// <param name="ContentType">The Content-Type it is served with.</param>
/// <param name="Bytes">Its content.</param>
public sealed record PageFile(string Name, string ContentType, byte[] Bytes);
