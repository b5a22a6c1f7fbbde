using Pipeline.Lambda;
using Pipeline.Worker;

// The provided.al2023 runtime starts this binary (named bootstrap in the AOT publish).
return await LambdaBootstrap.RunFromEnvironmentAsync(WorkerFunction.FromEnvironment);
