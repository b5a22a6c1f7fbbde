using System.Buffers;
using System.Text.Json;
using Pipeline.Api.Gateway;

namespace Pipeline.Local;

/// <summary>
/// A Lambda proxy integration's answer (payload format 1.0) as API Gateway reads it: the
/// status, the single- and multi-value headers, and the body, base64-decoded when
/// <c>isBase64Encoded</c> says so. It is read by <see cref="ProxyBody"/>, so a body of
/// megabytes is never turned into a string; a decoded body lives in a pooled buffer until
/// <see cref="Dispose"/>.
/// </summary>
public sealed class IntegrationResponse : IDisposable
{
    private static readonly Dictionary<string, string> NoHeaders = [];
    private static readonly Dictionary<string, List<string>> NoMultiValueHeaders = [];
    private byte[]? _rented;

    private IntegrationResponse()
    {
    }

    /// <summary>The HTTP status.</summary>
    public int StatusCode { get; private set; }

    /// <summary>The <c>headers</c> object.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; private set; } = NoHeaders;

    /// <summary>The <c>multiValueHeaders</c> object.</summary>
    public IReadOnlyDictionary<string, List<string>> MultiValueHeaders { get; private set; } = NoMultiValueHeaders;

    /// <summary>The body's bytes; empty when the body is null or absent.</summary>
    public ReadOnlyMemory<byte> Body { get; private set; }

    /// <summary>Reads <paramref name="document"/>.</summary>
    /// <exception cref="JsonException">Not a proxy response: not one JSON object, no HTTP statusCode, or fields of the wrong type.</exception>
    /// <exception cref="FormatException">The body is marked isBase64Encoded but is not valid base64.</exception>
    public static IntegrationResponse Parse(ReadOnlyMemory<byte> document)
    {
        var response = new IntegrationResponse();
        try
        {
            var (proxy, body) = ProxyBody.Read<APIGatewayProxyResponse>(document, response.Rent);
            if (proxy.StatusCode is < 100 or > 599)
                throw new JsonException("The response has no HTTP statusCode.");
            response.StatusCode = proxy.StatusCode;
            response.Headers = proxy.Headers ?? NoHeaders;
            response.MultiValueHeaders = proxy.MultiValueHeaders ?? NoMultiValueHeaders;
            response.Body = body;
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_rented is not null)
            ArrayPool<byte>.Shared.Return(_rented);
        _rented = null;
        Body = default;
    }

    private byte[] Rent(int length)
    {
        Dispose();
        return _rented = ArrayPool<byte>.Shared.Rent(length);
    }
}
