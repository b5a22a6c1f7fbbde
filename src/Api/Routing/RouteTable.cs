namespace Pipeline.Api.Routing;

/// <summary>
/// The API's routes, each declared once. Matching, the 404 text (which lists them), 405 and its
/// Allow header, the methods a CORS preflight may name, and which routes need the API key all
/// follow from this list.
/// </summary>
public sealed class RouteTable
{
    private readonly IReadOnlyList<Route> _routes;

    /// <summary>Creates a table of <paramref name="routes"/>, matched in order.</summary>
    public RouteTable(IReadOnlyList<Route> routes)
    {
        _routes = routes;
    }

    /// <summary>Matches <paramref name="method"/> and <paramref name="path"/>.</summary>
    public RouteMatch Match(string method, string path)
    {
        var segments = Route.Split(path);
        Route? found = null;
        var allowed = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var route in _routes)
        {
            var candidate = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!route.Matches(segments, candidate))
                continue;
            if (!allowed.Contains(route.Method))
                allowed.Add(route.Method);
            if (found is null && route.Method == method)
            {
                found = route;
                values = candidate;
            }
        }
        return new RouteMatch(found, values, allowed);
    }

    /// <summary>Every route, e.g. <c>POST /, GET /health</c>: what a 404 lists.</summary>
    public string Describe() => string.Join(", ", _routes);
}
