using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Pipeline.Api.Gateway;
using Pipeline.Errors;

namespace Pipeline.Api.Web;

/// <summary>
/// The web page people convert photos with: <c>GET /</c> serves index.html and
/// <c>GET /assets/{name}</c> its scripts, stylesheet and icon. The files are embedded in the
/// assembly (Web/Files), read once at start; there is no build step and nothing is fetched from
/// anywhere else. Asset URLs carry a version (a hash of the assets), so browsers keep them for
/// a year and a deployment with new files is picked up at once; the page itself is revalidated
/// (ETag). Every answer carries a strict Content-Security-Policy whose only other origin is the
/// storage the presigned URLs point to.
/// </summary>
public sealed class WebPage
{
    private const string ImmutableCache = "public, max-age=31536000, immutable";
    private const string RevalidateCache = "no-cache";

    private static readonly (string Name, string ContentType)[] AssetTypes =
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("zip.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ];

    private readonly Dictionary<string, PageFile> _assets;
    private readonly string _index;
    private readonly Func<Task<IReadOnlyList<string>>> _storageOrigins;
    // The page as served under each base path (one or two per deployment), with its ETag.
    private readonly ConcurrentDictionary<string, (byte[] Body, string ETag)> _rendered = new(StringComparer.Ordinal);
    private string? _policy;

    /// <summary>
    /// Loads the page. <paramref name="maxInlineBytes"/> tells it which photos POST / takes;
    /// <paramref name="storageOrigins"/> names the origins of presigned URLs (asked once, on
    /// the first request).
    /// </summary>
    public WebPage(int maxInlineBytes, Func<Task<IReadOnlyList<string>>> storageOrigins)
    {
        _storageOrigins = storageOrigins;
        _assets = AssetTypes.ToDictionary(a => a.Name, a => new PageFile(a.ContentType, Read(a.Name)), StringComparer.Ordinal);
        Version = Convert.ToHexStringLower(SHA256.HashData([.. _assets.Values.SelectMany(a => a.Bytes)]))[..12];
        _index = Encoding.UTF8.GetString(Read("index.html"))
            .Replace("{{version}}", Version, StringComparison.Ordinal)
            .Replace("{{maxInlineBytes}}", maxInlineBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>The assets' version, the <c>v</c> parameter of their URLs.</summary>
    public string Version { get; }

    /// <summary>GET /: the page, its links under the caller's stage (/Prod on an execute-api URL).</summary>
    public async Task<ApiResponse> IndexAsync(ApiRequest request, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        var policy = await PolicyAsync();
        var (body, etag) = _rendered.GetOrAdd(request.BasePath, Render, policy);
        if (request.Header("if-none-match") == etag)
            return Responses.NotModified(etag, RevalidateCache, policy);
        var response = Responses.PageFile(body, "text/html; charset=utf-8", RevalidateCache, policy);
        response.Headers["ETag"] = etag;
        return response;
    }

    /// <summary>GET /assets/{name}: kept for a year when asked for at the current version.</summary>
    public async Task<ApiResponse> AssetAsync(ApiRequest request, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        if (!_assets.TryGetValue(values["name"], out var file))
            throw new PipelineException(ErrorCode.NotFound, $"No asset {values["name"]}; the page's assets are {string.Join(", ", _assets.Keys)}.");
        var current = request.Query.GetValueOrDefault("v") == Version;
        return Responses.PageFile(file.Bytes, file.ContentType, current ? ImmutableCache : RevalidateCache, await PolicyAsync());
    }

    /// <summary>
    /// The page's Content-Security-Policy: nothing by default; scripts, styles and images from
    /// the service itself (images also from blob: URLs, which hold the photos on the page);
    /// connections to the service and to <paramref name="storageOrigins"/> (presigned uploads
    /// and results); no framing, no base URL, no form submission.
    /// </summary>
    public static string ContentSecurityPolicy(IEnumerable<string> storageOrigins) => string.Join("; ",
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        string.Join(' ', ["connect-src 'self'", .. storageOrigins]),
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'");

    private async Task<string> PolicyAsync()
    {
        if (_policy is { } known)
            return known;
        var policy = ContentSecurityPolicy(await _storageOrigins());
        _policy = policy;
        return policy;
    }

    private (byte[] Body, string ETag) Render(string basePath, string policy)
    {
        var body = Encoding.UTF8.GetBytes(_index.Replace("{{base}}", WebUtility.HtmlEncode(basePath), StringComparison.Ordinal));
        return (body, "\"" + Convert.ToHexStringLower(SHA256.HashData([.. body, .. Encoding.UTF8.GetBytes(policy)]))[..16] + "\"");
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(WebPage).Assembly.GetManifestResourceStream("web/" + name)
            ?? throw new InvalidOperationException($"The page file {name} is not embedded in the assembly.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
