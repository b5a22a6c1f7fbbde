using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Jobs;

namespace Pipeline.Cli.Checks;

/// <summary>
/// The checks made through the API, as a client makes them: health, the page and its policy,
/// the key, inline conversion of a JPEG and a PNG (pixels checked), the 413 for a body too
/// large for Lambda, the presigned flow end to end with its replay refused, and, deployed, that
/// no stage answers but the declared one.
/// </summary>
/// <param name="stack">The stack checked.</param>
/// <param name="http">The client requests go through.</param>
/// <param name="leftovers">Where the run's uploads are registered for deletion.</param>
/// <param name="timeout">How long to wait for the worker.</param>
public sealed partial class ApiChecks(StackUnderTest stack, HttpClient http, Leftovers leftovers, TimeSpan timeout)
{
    private const int TooLargeBytes = 5 * 1024 * 1024;

    private Upload? _upload;

    /// <summary>The checks, in the order they run.</summary>
    public IEnumerable<Check> All() =>
    [
        new("GET /health answers 200 without a key", false, HealthAsync),
        new("the page and its assets load, with a Content-Security-Policy", false, PageAsync),
        new("POST / without a key is refused", false, KeylessAsync),
        new("POST / with the key turns a JPEG gray", false, ct => InlineAsync(GraySample.Jpeg(96, 64, seed: 1), "image/jpeg", ct)),
        new("POST / with the key turns a PNG gray", false, ct => InlineAsync(GraySample.Png(80, 60, seed: 2), "image/png", ct)),
        new("a 5 MiB body gets the JSON 413 pointing to POST /uploads", false, TooLargeAsync),
        new("POST /uploads hands out a presigned PUT that stores the image", false, UploadAsync),
        new("a replayed presigned PUT is refused with 412", false, ReplayAsync),
        new("GET /jobs/{id} turns done and its result is gray", false, JobAsync),
        new("no stage answers but the declared one", true, StagesAsync),
    ];

    private async Task HealthAsync(CancellationToken cancellationToken)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Get, Url("health"), null, withKey: false, cancellationToken);
        if (status != HttpStatusCode.OK || !body.Contains("\"ok\"", StringComparison.Ordinal))
            throw CheckException.Fail($"answered {Describe(status, body)}; expected 200 {{\"status\":\"ok\"}}");
    }

    private async Task PageAsync(CancellationToken cancellationToken)
    {
        var (status, html, headers) = await SendAsync(HttpMethod.Get, stack.ApiUrl, null, withKey: false, cancellationToken);
        if (status != HttpStatusCode.OK)
            throw CheckException.Fail($"GET / answered {Describe(status, html)}; the page needs no key");
        RequirePolicy("GET /", headers);
        var assets = AssetLink().Matches(html).Select(m => new Uri(stack.ApiUrl, WebUtility.HtmlDecode(m.Groups[1].Value))).Distinct().ToList();
        if (assets.Count == 0)
            throw CheckException.Fail("the page links no script or stylesheet under assets/: is it the service's page?");
        foreach (var asset in assets)
        {
            var (assetStatus, assetBody, assetHeaders) = await SendAsync(HttpMethod.Get, asset, null, withKey: false, cancellationToken);
            if (assetStatus != HttpStatusCode.OK)
                throw CheckException.Fail($"GET {asset.AbsolutePath} answered {Describe(assetStatus, assetBody)}; the page's assets need no key");
            RequirePolicy($"GET {asset.AbsolutePath}", assetHeaders);
        }
    }

    private async Task KeylessAsync(CancellationToken cancellationToken)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Post, stack.ApiUrl, Image(GraySample.Jpeg(32, 32), "image/jpeg"), withKey: false, cancellationToken);
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            return;
        if (status == HttpStatusCode.OK && stack.IsLocal && stack.ApiKey is null)
            throw CheckException.Skip("the local API needs no key unless ./run.sh runs with PIPELINE_API_KEY set (then give verify the same PIPELINE_API_KEY)");
        throw CheckException.Fail($"answered {Describe(status, body)} without a key; " + (stack.IsLocal
            ? "the local API checks the key only when PIPELINE_API_KEY is set"
            : "POST / must require the API key (ApiKeyRequired on the method); anyone can run the function now"));
    }

    private async Task InlineAsync(byte[] image, string contentType, CancellationToken cancellationToken)
    {
        using var content = Image(image, contentType);
        var (status, body, bytes) = await SendForBytesAsync(HttpMethod.Post, stack.ApiUrl, content, cancellationToken);
        if (status != HttpStatusCode.OK)
            throw CheckException.Fail(StatusHint(status, body));
        if (GraySample.Mismatch(image, bytes) is { } mismatch)
            throw CheckException.Fail($"{mismatch}; the API function's conversion is wrong (see its log)");
    }

    private async Task TooLargeAsync(CancellationToken cancellationToken)
    {
        using var content = Image(new byte[TooLargeBytes], "image/jpeg");
        var (status, body, _) = await SendAsync(HttpMethod.Post, stack.ApiUrl, content, withKey: true, cancellationToken);
        var (code, message) = ErrorOf(body);
        if (status == HttpStatusCode.RequestEntityTooLarge && code == "payload_too_large" && message?.Contains("/uploads", StringComparison.Ordinal) == true)
            return;
        if ((int)status >= 500)
            throw CheckException.Fail($"answered {Describe(status, body)}: the body reached Lambda, whose 6 MB payload limit refused it; deploy with EnableWaf=true so that bodies between 4.7 and 10 MB get the JSON 413 before they reach the function");
        throw CheckException.Fail($"answered {Describe(status, body)}; expected 413 payload_too_large naming POST /uploads");
    }

    private async Task UploadAsync(CancellationToken cancellationToken)
    {
        var image = GraySample.Jpeg(120, 90, seed: 3);
        var request = JsonSerializer.Serialize(new Dictionary<string, object> { ["contentType"] = "image/jpeg", ["contentLength"] = image.Length });
        using var json = new StringContent(request, Encoding.UTF8, "application/json");
        var (status, body, _) = await SendAsync(HttpMethod.Post, Url("uploads"), json, withKey: true, cancellationToken);
        if (status != HttpStatusCode.Created)
            throw CheckException.Fail("POST /uploads: " + StatusHint(status, body));
        using var created = JsonDocument.Parse(body);
        var id = created.RootElement.GetProperty("id").GetString()!;
        var ticket = created.RootElement.GetProperty("upload");
        var url = new Uri(ticket.GetProperty("url").GetString()!);
        // The key is the URL's to name (uploads/<id>, or uploads/<key's folder>/<id> for a keyed
        // client); its result has the same key in the output bucket.
        var key = UploadKey(url);
        leftovers.Add(stack.Target.InputBucket, key);
        leftovers.Add(stack.Target.OutputBucket, key);
        var upload = new Upload(
            id,
            url,
            ticket.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString()!, StringComparer.OrdinalIgnoreCase),
            new Uri(stack.ApiUrl, created.RootElement.GetProperty("status").GetString()!),
            image);
        var put = await PutAsync(upload, cancellationToken);
        if (put != HttpStatusCode.OK)
            throw CheckException.Fail($"the presigned PUT answered {(int)put}; " + (stack.IsLocal
                ? "the emulator refused it: is its bucket there? (./run.sh creates it)"
                : "S3 refused it: do the bucket's policy and the API role's s3:PutObject on uploads/* agree?"));
        _upload = upload;
    }

    private async Task ReplayAsync(CancellationToken cancellationToken)
    {
        var upload = _upload ?? throw CheckException.Skip("needs the presigned upload above");
        var replay = await PutAsync(upload, cancellationToken);
        if (replay != HttpStatusCode.PreconditionFailed)
            throw CheckException.Fail($"the same URL answered {(int)replay}: a leaked URL can store over its object again; the PUT must be signed with If-None-Match: *");
    }

    private async Task JobAsync(CancellationToken cancellationToken)
    {
        var upload = _upload ?? throw CheckException.Skip("needs the presigned upload above");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        string body;
        HttpStatusCode status;
        try
        {
            while (true)
            {
                (status, body, _) = await SendAsync(HttpMethod.Get, upload.Status, null, withKey: true, deadline.Token);
                if (status != HttpStatusCode.Accepted)
                    break;
                await Task.Delay(TimeSpan.FromSeconds(1), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw CheckException.Fail($"job {upload.Id} is still pending after {timeout.TotalSeconds:0} s: {stack.WorkerHint}");
        }
        if (status != HttpStatusCode.OK)
            throw CheckException.Fail($"GET {upload.Status.AbsolutePath}: " + StatusHint(status, body));
        using var done = JsonDocument.Parse(body);
        var resultUrl = new Uri(done.RootElement.GetProperty("resultUrl").GetString()!);
        using var response = await http.GetAsync(resultUrl, cancellationToken);
        var result = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
            throw CheckException.Fail($"the presigned result URL answered {(int)response.StatusCode}: can the API role read the output bucket's uploads/*?");
        if (GraySample.Mismatch(upload.Image, result) is { } mismatch)
            throw CheckException.Fail($"{mismatch}; the worker's conversion is wrong (see its log)");
    }

    private async Task StagesAsync(CancellationToken cancellationToken)
    {
        var declared = stack.ApiUrl.AbsolutePath.Trim('/');
        string[] others = ["Stage", "verify" + Guid.NewGuid().ToString("N")[..8]];
        foreach (var stage in others.Where(s => s != declared))
        {
            foreach (var path in new[] { "", "health" })
            {
                var url = new Uri(stack.ApiUrl, $"/{stage}/{path}");
                var (status, body, _) = await SendAsync(HttpMethod.Get, url, null, withKey: false, cancellationToken);
                if ((int)status < 400)
                    throw CheckException.Fail($"GET {url.AbsolutePath} answered {Describe(status, body)}: the stage {stage} answers without {declared}'s throttles, usage plan and WAF; SAM adds a stage named Stage unless the API sets OpenApiVersion");
            }
        }
    }

    private Task<HttpStatusCode> PutAsync(Upload upload, CancellationToken cancellationToken) => Guard(async () =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, upload.Url) { Content = new ByteArrayContent(upload.Image) };
        foreach (var (name, value) in upload.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
                request.Content.Headers.TryAddWithoutValidation(name, value);
        }
        request.Content.Headers.ContentLength = upload.Image.Length;
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }, upload.Url);

    private async Task<(HttpStatusCode Status, string Body, HttpResponseHeaders Headers)> SendAsync(HttpMethod method, Uri url, HttpContent? content, bool withKey, CancellationToken cancellationToken)
    {
        var (status, body, headers, _) = await SendRawAsync(method, url, content, withKey, cancellationToken);
        return (status, body, headers);
    }

    private async Task<(HttpStatusCode Status, string Body, byte[] Bytes)> SendForBytesAsync(HttpMethod method, Uri url, HttpContent content, CancellationToken cancellationToken)
    {
        var (status, body, _, bytes) = await SendRawAsync(method, url, content, withKey: true, cancellationToken);
        return (status, body, bytes);
    }

    private Task<(HttpStatusCode, string, HttpResponseHeaders, byte[])> SendRawAsync(HttpMethod method, Uri url, HttpContent? content, bool withKey, CancellationToken cancellationToken) => Guard(async () =>
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Accept.ParseAdd("*/*");
        if (withKey && stack.ApiKey is { } key)
            request.Headers.Add("x-api-key", key);
        using var response = await http.SendAsync(request, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var isText = response.Content.Headers.ContentType?.MediaType is { } type && (type.StartsWith("text/", StringComparison.Ordinal) || type.Contains("json", StringComparison.Ordinal) || type.Contains("javascript", StringComparison.Ordinal));
        return (response.StatusCode, isText ? Encoding.UTF8.GetString(bytes) : "", response.Headers, bytes);
    }, url);

    /// <summary>Runs a request; no answer at all becomes a failure that says where to look.</summary>
    private async Task<T> Guard<T>(Func<Task<T>> send, Uri url)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException e)
        {
            throw CheckException.Fail($"no answer from {url.GetLeftPart(UriPartial.Authority)} ({e.Message}): {(url.Host == stack.ApiUrl.Host ? stack.ApiHint : "is the storage endpoint reachable?")}");
        }
    }

    private string StatusHint(HttpStatusCode status, string body) => status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden when stack.ApiKey is null =>
            $"answered {Describe(status, body)}: the API wants a key; pass --api-key or set PIPELINE_API_KEY",
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
            $"answered {Describe(status, body)} with the key: is it the stack's key, enabled and in its usage plan?",
        HttpStatusCode.TooManyRequests => $"answered {Describe(status, body)}: the key's rate or daily quota is used up; try again later",
        _ => $"answered {Describe(status, body)}",
    };

    private static void RequirePolicy(string request, HttpResponseHeaders headers)
    {
        var policy = headers.TryGetValues("Content-Security-Policy", out var values) ? string.Join(", ", values) : null;
        if (policy is null || !policy.Contains("default-src 'none'", StringComparison.Ordinal))
            throw CheckException.Fail($"{request} came without the page's Content-Security-Policy (default-src 'none'); something between the function and the browser drops it");
    }

    private static (string? Code, string? Message) ErrorOf(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var error = json.RootElement.GetProperty("error");
            return (error.GetProperty("code").GetString(), error.GetProperty("message").GetString());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return (null, null);
        }
    }

    private static string Describe(HttpStatusCode status, string body)
    {
        var (code, message) = ErrorOf(body);
        var text = code is not null ? $"{code}: {message}" : body.Length > 120 ? body[..120] + "…" : body;
        return string.Create(CultureInfo.InvariantCulture, $"{(int)status}{(text.Length > 0 ? " " + text.ReplaceLineEndings(" ") : "")}");
    }

    private static ByteArrayContent Image(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    private Uri Url(string relative) => new(stack.ApiUrl, relative);

    [GeneratedRegex("""(?:src|href)="([^"]*assets/[^"]+)""")]
    private static partial Regex AssetLink();

    /// <summary>The object key a presigned upload URL names, path-style or virtual-hosted: its path from <c>uploads/</c> on.</summary>
    internal static string UploadKey(Uri url)
    {
        var path = Uri.UnescapeDataString(url.AbsolutePath);
        int start = path.IndexOf("/" + ObjectKeys.UploadPrefix, StringComparison.Ordinal);
        return start < 0
            ? throw CheckException.Fail($"the upload URL names no key under {ObjectKeys.UploadPrefix}: is the API the pipeline's?")
            : path[(start + 1)..];
    }

    private sealed record Upload(string Id, Uri Url, Dictionary<string, string> Headers, Uri Status, byte[] Image);
}
