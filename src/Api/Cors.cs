using Pipeline.Api.Gateway;

namespace Pipeline.Api;

/// <summary>
/// Cross-origin headers for browser clients (an app that uploads through POST /uploads and
/// polls its job). Only when an allowed origin is configured.
/// </summary>
public static class Cors
{
    /// <summary>Marks <paramref name="response"/> as readable by <paramref name="origin"/>.</summary>
    public static void AddTo(ApiResponse response, string origin)
    {
        response.Headers["Access-Control-Allow-Origin"] = origin;
        response.Headers["Access-Control-Expose-Headers"] = "Location, Retry-After, X-Image-Width, X-Image-Height, X-Image-Input-Format";
        if (origin != "*")
            response.Headers["Vary"] = "Origin";
    }

    /// <summary>The answer to a preflight OPTIONS request for a path accepting <paramref name="methods"/>.</summary>
    public static ApiResponse Preflight(IEnumerable<string> methods)
    {
        var response = new ApiResponse { StatusCode = 204 };
        response.Headers["Access-Control-Allow-Methods"] = string.Join(", ", methods.Append("OPTIONS"));
        response.Headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, X-Api-Key";
        response.Headers["Access-Control-Max-Age"] = "600";
        response.Headers["Cache-Control"] = "no-store";
        return response;
    }
}
