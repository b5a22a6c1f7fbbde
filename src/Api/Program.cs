using Pipeline.Api;
using Pipeline.Imaging.Isolation;
using Pipeline.Lambda;

// The provided.al2023 runtime starts this binary (named bootstrap in the AOT publish); the
// function starts it again as its converter process.
if (args is [ConverterHost.Argument])
    return ConverterHost.Run();
return await LambdaBootstrap.RunFromEnvironmentAsync(ApiFunction.FromEnvironment);
