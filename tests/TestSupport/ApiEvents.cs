using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Tests;

/// <summary>
/// API Gateway proxy events for tests, as editable JSON: built from scratch in the REST (1.0)
/// or HTTP API (2.0) shape, or loaded from a fixture, then changed with the <c>With…</c>
/// methods, which keep the shape's redundant fields (v1's multiValue twins, v2's rawPath and
/// rawQueryString) consistent.
/// </summary>
public static class ApiEvents
{
    // As API Gateway writes events: '+' in base64 bodies is not escaped.
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A minimal REST API (payload 1.0) event through stage Prod.</summary>
    public static JsonObject RestV1(string method, string path) => new()
    {
        ["resource"] = "/{proxy+}",
        ["path"] = path,
        ["httpMethod"] = method,
        ["headers"] = new JsonObject(),
        ["multiValueHeaders"] = new JsonObject(),
        ["queryStringParameters"] = null,
        ["multiValueQueryStringParameters"] = null,
        ["requestContext"] = new JsonObject
        {
            ["stage"] = "Prod",
            ["path"] = "/Prod" + path,
            ["httpMethod"] = method,
            ["requestId"] = Guid.NewGuid().ToString(),
            ["identity"] = new JsonObject { ["sourceIp"] = "203.0.113.7" },
        },
        ["body"] = null,
        ["isBase64Encoded"] = false,
    };

    /// <summary>A minimal HTTP API (payload 2.0) event; a named <paramref name="stage"/> prefixes rawPath, as API Gateway does.</summary>
    public static JsonObject HttpV2(string method, string path, string stage = "$default") => new()
    {
        ["version"] = "2.0",
        ["routeKey"] = "$default",
        ["rawPath"] = StagePrefix(stage) + path,
        ["rawQueryString"] = "",
        ["headers"] = new JsonObject(),
        ["requestContext"] = new JsonObject
        {
            ["stage"] = stage,
            ["requestId"] = Guid.NewGuid().ToString(),
            ["http"] = new JsonObject
            {
                ["method"] = method,
                ["path"] = StagePrefix(stage) + path,
                ["protocol"] = "HTTP/1.1",
                ["sourceIp"] = "203.0.113.7",
            },
        },
        ["isBase64Encoded"] = false,
    };

    /// <summary>Reads an event (e.g. a fixture file's bytes).</summary>
    public static JsonObject Parse(byte[] json) =>
        JsonNode.Parse(json)?.AsObject() ?? throw new ArgumentException("The event is not a JSON object.", nameof(json));

    /// <summary>True for the HTTP API (2.0) shape.</summary>
    public static bool IsHttpV2(this JsonObject e) => (string?)e["version"] == "2.0";

    /// <summary>Replaces the body with <paramref name="bytes"/>, base64-encoded.</summary>
    public static JsonObject WithBody(this JsonObject e, ReadOnlySpan<byte> bytes)
    {
        e["body"] = Convert.ToBase64String(bytes);
        e["isBase64Encoded"] = true;
        return e;
    }

    /// <summary>Replaces the body with plain text (isBase64Encoded false).</summary>
    public static JsonObject WithTextBody(this JsonObject e, string text)
    {
        e["body"] = text;
        e["isBase64Encoded"] = false;
        return e;
    }

    /// <summary>Removes the body (null, as API Gateway sends for a request without one).</summary>
    public static JsonObject WithoutBody(this JsonObject e)
    {
        e["body"] = null;
        e["isBase64Encoded"] = false;
        return e;
    }

    /// <summary>The body's bytes as the event carries them (base64-decoded when isBase64Encoded).</summary>
    public static byte[] DecodedBody(this JsonObject e)
    {
        var body = (string?)e["body"] ?? "";
        return (bool?)e["isBase64Encoded"] == true ? Convert.FromBase64String(body) : Encoding.UTF8.GetBytes(body);
    }

    /// <summary>Sets a header, replacing any of the same name in another case; v2 names are lower-cased.</summary>
    public static JsonObject WithHeader(this JsonObject e, string name, string value)
    {
        if (e.IsHttpV2())
        {
            Set(Object(e, "headers"), name.ToLowerInvariant(), value);
            return e;
        }
        Set(Object(e, "headers"), name, value);
        Set(Object(e, "multiValueHeaders"), name, new JsonArray(value));
        return e;
    }

    /// <summary>Sets a query parameter (given decoded).</summary>
    public static JsonObject WithQuery(this JsonObject e, string name, string value)
    {
        var query = Object(e, "queryStringParameters");
        Set(query, name, value);
        if (e.IsHttpV2())
            e["rawQueryString"] = string.Join('&', query.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString((string?)p.Value ?? "")));
        else
            Set(Object(e, "multiValueQueryStringParameters"), name, new JsonArray(value));
        return e;
    }

    /// <summary>Changes the HTTP method.</summary>
    public static JsonObject WithMethod(this JsonObject e, string method)
    {
        var context = Object(e, "requestContext");
        if (e.IsHttpV2())
        {
            Object(context, "http")["method"] = method;
        }
        else
        {
            e["httpMethod"] = method;
            context["httpMethod"] = method;
        }
        return e;
    }

    /// <summary>Changes the path (given without the stage).</summary>
    public static JsonObject WithPath(this JsonObject e, string path)
    {
        var context = Object(e, "requestContext");
        var stagePrefix = StagePrefix((string?)context["stage"]);
        if (e.IsHttpV2())
        {
            e["rawPath"] = stagePrefix + path;
            Object(context, "http")["path"] = stagePrefix + path;
        }
        else
        {
            e["path"] = path;
            context["path"] = stagePrefix + path;
        }
        return e;
    }

    /// <summary>The event as the bytes Lambda delivers, escaped as API Gateway escapes (minimally).</summary>
    public static byte[] ToPayload(this JsonObject e) => Encoding.UTF8.GetBytes(e.ToJsonString(Relaxed));

    private static string StagePrefix(string? stage) => stage is null or "" or "$default" ? "" : "/" + stage;

    private static JsonObject Object(JsonObject parent, string name)
    {
        if (parent[name] is JsonObject existing)
            return existing;
        var created = new JsonObject();
        parent[name] = created;
        return created;
    }

    private static void Set(JsonObject target, string name, JsonNode? value)
    {
        foreach (var key in target.Select(p => p.Key).Where(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)).ToList())
            target.Remove(key);
        target[name] = value;
    }
}
