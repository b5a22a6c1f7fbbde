using Pipeline.Imaging.Isolation;
using Pipeline.Lambda;
using Pipeline.Worker;

// The provided.al2023 runtime starts this binary (named bootstrap in the AOT publish); the
// function starts it again as its converter processes.
if (args is [ConverterHost.Argument])
    return ConverterHost.Run();
return await LambdaBootstrap.RunFromEnvironmentAsync(WorkerFunction.FromEnvironment);
