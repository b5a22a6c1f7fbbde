namespace Pipeline.Api.Routing;

/// <summary>
/// What a path matched: the routes whose template fits it (none: 404), and of those the one for
/// the request's method (none: 405 with <see cref="AllowedMethods"/>).
/// </summary>
/// <param name="Route">The route for the request's method, or null.</param>
/// <param name="Values">The template's {name} values.</param>
/// <param name="AllowedMethods">Every method the path accepts, in the table's order; empty when no template fits.</param>
public sealed record RouteMatch(Route? Route, IReadOnlyDictionary<string, string> Values, IReadOnlyList<string> AllowedMethods)
{
    /// <summary>True when some template fits the path.</summary>
    public bool PathExists => AllowedMethods.Count > 0;
}
