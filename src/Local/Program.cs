using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Api;
using Pipeline.Diagnostics;
using Pipeline.Local;

// pipeline-local api [--host 127.0.0.1] [--port 3000] [--concurrency N]
//   Serves the API function as API Gateway would.
var log = new JsonLog(Console.OpenStandardOutput());
if (args is not ["api", ..])
{
    Console.Error.WriteLine("usage: pipeline-local api [--host H] [--port N] [--concurrency N]");
    return 2;
}

string host = Option(args, "--host") ?? "127.0.0.1";
int port = int.Parse(Option(args, "--port") ?? "3000", CultureInfo.InvariantCulture);
int concurrency = int.Parse(Option(args, "--concurrency") ?? (Environment.ProcessorCount * 2).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

ApiFunction function;
try
{
    function = ApiFunction.FromEnvironment();
}
catch (Exception e)
{
    log.Write("error", "initialisation failed", ("errorType", e.GetType().Name), ("errorMessage", e.Message));
    return 1;
}

using var gateway = new ApiGatewayEmulator(function, concurrency, log);
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = null; // the emulator enforces API Gateway's limit with a JSON 413
});
builder.WebHost.UseUrls($"http://{host}:{port}");
var app = builder.Build();
app.Run(gateway.HandleAsync);
await app.StartAsync();
log.Write("info", "local API listening", ("url", $"http://{host}:{port}/"), ("concurrency", concurrency));
await app.WaitForShutdownAsync();
return 0;

static string? Option(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
