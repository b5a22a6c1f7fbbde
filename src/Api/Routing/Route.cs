namespace Pipeline.Api.Routing;

/// <summary>
/// One route of the API: a method, a path template whose <c>{name}</c> segments match any one
/// segment, its handler, and whether callers need the API key.
/// </summary>
/// <param name="Method">The HTTP method, upper case.</param>
/// <param name="Template">E.g. <c>/jobs/{id}/result</c>.</param>
/// <param name="Handler">What answers it.</param>
/// <param name="NeedsKey">False for routes anyone may call (health, the web page).</param>
public sealed record Route(string Method, string Template, RouteHandler Handler, bool NeedsKey = true)
{
    private readonly string[] _segments = Split(Template);

    /// <summary>True when <paramref name="path"/> fits the template; its {name} values are added to <paramref name="values"/>.</summary>
    public bool Matches(string[] path, Dictionary<string, string> values)
    {
        if (path.Length != _segments.Length)
            return false;
        for (int i = 0; i < path.Length; i++)
        {
            if (_segments[i] is ['{', .. var name, '}'])
                values[name] = path[i];
            else if (!string.Equals(_segments[i], path[i], StringComparison.Ordinal))
                return false;
        }
        return true;
    }

    /// <summary>The segments of a path: <c>/jobs/x/</c> → <c>["jobs", "x"]</c>.</summary>
    public static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <inheritdoc/>
    public override string ToString() => Method + " " + Template;
}
