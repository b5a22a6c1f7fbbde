namespace Pipeline.Api.Gateway;

/// <summary>Which API Gateway proxy payload format an event used.</summary>
public enum PayloadFormat
{
    /// <summary>REST API, payload format 1.0 (<see cref="APIGatewayProxyRequest"/>).</summary>
    RestV1,
    /// <summary>HTTP API, payload format 2.0 (<see cref="APIGatewayHttpApiV2ProxyRequest"/>).</summary>
    HttpV2,
}
