using System.Security.Cryptography;
using System.Text;
using Pipeline.Api.Routing;
using Pipeline.Errors;

namespace Pipeline.Api;

/// <summary>
/// Wraps the handlers of routes that need the API key (locally; deployed, API Gateway's own API
/// keys do it before the function runs). The key is compared in constant time.
/// </summary>
public sealed class ApiKeyCheck
{
    private readonly byte[] _key;

    /// <summary>Creates a check for <paramref name="key"/>.</summary>
    public ApiKeyCheck(string key)
    {
        _key = Encoding.UTF8.GetBytes(key);
    }

    /// <summary><paramref name="handler"/>, answering 401 without a key and 403 with a wrong one.</summary>
    public RouteHandler Wrap(RouteHandler handler) => (request, values, cancellationToken) =>
    {
        var presented = request.Header("x-api-key");
        if (string.IsNullOrEmpty(presented))
            throw new PipelineException(ErrorCode.Unauthorized, "An API key is required: send it in the x-api-key header.");
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key))
            throw new PipelineException(ErrorCode.Forbidden, "The API key is not valid.");
        return handler(request, values, cancellationToken);
    };
}
