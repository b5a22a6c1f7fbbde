using Pipeline.Api.Gateway;

namespace Pipeline.Api.Routing;

/// <summary>Answers a request that matched a route; <paramref name="values"/> holds the template's {names}.</summary>
public delegate Task<ApiResponse> RouteHandler(ApiRequest request, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken);
