using System.CommandLine;
using Pipeline.Diagnostics;
using Pipeline.Local;
using Pipeline.Settings;

// The local stand-ins for what AWS runs around the functions (`pipeline-local <command> --help` lists each one's options):
//   pipeline-local api        API Gateway in front of the API function
//   pipeline-local worker     the SQS event source mapping in front of the worker
//   pipeline-local settings   every setting, as docs/configuration.md's table
// Both hosts read the same environment as the deployed functions (PIPELINE_*, AWS_ENDPOINT_URL, AWS_REGION, credentials),
// and the functions' timeouts and batch size that emulator/env.sh exports from template.yaml.
var log = new JsonLog(Console.OpenStandardOutput());
var settings = new Command("settings", "Prints every setting, as docs/configuration.md's table.");
settings.SetAction(_ => Console.Out.Write(PipelineSettings.MarkdownTable()));
var root = new RootCommand("Local hosts around the API and worker functions, as AWS runs them.")
{
    ApiCommand.Create(log),
    WorkerCommand.Create(log),
    settings,
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
        Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine("see: pipeline-local --help");
    return 2;
}
try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
}
catch (ArgumentOutOfRangeException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
