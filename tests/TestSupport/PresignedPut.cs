using System.Net.Http.Headers;

namespace Pipeline.Tests;

/// <summary>A PUT to a presigned upload URL with the headers its ticket lists (Content-Type, If-None-Match).</summary>
public static class PresignedPut
{
    /// <summary>Sends <paramref name="body"/>; returns S3's answer.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, string url, byte[] body, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        return await http.SendAsync(request);
    }
}
