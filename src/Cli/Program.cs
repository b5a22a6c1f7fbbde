using Pipeline.Cli;

// pipeline convert <folder> <out-folder> | status [s3://bucket/prefix] | backfill [s3://bucket/prefix] | verify [--stack NAME]
return await CliApp.RunAsync(args, Environment.GetEnvironmentVariable);
