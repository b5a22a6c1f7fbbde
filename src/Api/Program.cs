using Pipeline.Api;
using Pipeline.Lambda;

// The provided.al2023 runtime starts this binary (named bootstrap in the AOT publish).
return await LambdaBootstrap.RunFromEnvironmentAsync(ApiFunction.FromEnvironment);
