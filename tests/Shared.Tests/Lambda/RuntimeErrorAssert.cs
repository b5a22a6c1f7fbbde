using System.Text.Json;

namespace Pipeline.Tests.Lambda;

internal static class RuntimeErrorAssert
{
    /// <summary>
    /// Asserts <paramref name="post"/> is the Runtime API's error document,
    /// <c>{errorMessage, errorType, stackTrace}</c>, with the type also in the
    /// Lambda-Runtime-Function-Error-Type header. Returns the stack frames.
    /// </summary>
    public static IReadOnlyList<string?> Document(RuntimeApiPost post, string kind, string message, string type)
    {
        Assert.Equal(kind, post.Kind);
        Assert.Equal(type, post.ErrorType);
        using var json = JsonDocument.Parse(post.Body);
        Assert.Equal(message, json.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(type, json.RootElement.GetProperty("errorType").GetString());
        return json.RootElement.GetProperty("stackTrace").EnumerateArray().Select(f => f.GetString()).ToList();
    }
}
