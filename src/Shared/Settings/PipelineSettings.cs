using System.Text;

namespace Pipeline.Settings;

/// <summary>
/// Every setting of the functions and the local hosts, declared once: name, default, bounds and
/// meaning. The options records read them from here, validation messages come from here, and
/// <see cref="MarkdownTable"/> is the configuration table of docs/configuration.md (a test keeps the two equal).
/// Deployed, template.yaml sets them from its parameters.
/// </summary>
public static class PipelineSettings
{
    /// <summary>Lambda's synchronous payload: a body whose base64, with 8 KiB of event around it, still fits 6 MiB.</summary>
    public const int InlineBytesCeiling = (6 * 1024 * 1024 - 8 * 1024) / 4 * 3;

    /// <summary>PIPELINE_INPUT_BUCKET.</summary>
    public static readonly TextSetting InputBucket = new()
    {
        Name = "PIPELINE_INPUT_BUCKET",
        Required = true,
        Help = "bucket uploads land in; its events feed the worker",
    };

    /// <summary>PIPELINE_OUTPUT_BUCKET.</summary>
    public static readonly TextSetting OutputBucket = new()
    {
        Name = "PIPELINE_OUTPUT_BUCKET",
        Required = true,
        Help = "bucket results and `.error.json` reports go to; must differ from the input bucket",
    };

    /// <summary>PIPELINE_MAX_INLINE_BYTES.</summary>
    public static readonly NumberSetting MaxInlineBytes = new()
    {
        Name = "PIPELINE_MAX_INLINE_BYTES",
        Default = 4 * 1024 * 1024,
        Max = InlineBytesCeiling,
        Help = "largest body `POST /` converts (its base64 must fit Lambda's 6 MB payload)",
    };

    /// <summary>PIPELINE_MAX_PIXELS.</summary>
    public static readonly NumberSetting MaxPixels = new()
    {
        Name = "PIPELINE_MAX_PIXELS",
        Default = 50_000_000,
        Max = 1L << 31,
        Help = "largest image, from the header, before any decoding",
    };

    /// <summary>PIPELINE_HEIC.</summary>
    public static readonly NumberSetting Heic = new()
    {
        Name = "PIPELINE_HEIC",
        Default = 1,
        Min = 0,
        Max = 1,
        Help = "1: HEIC photos (HEVC-coded HEIF) are converted; 0: refused with `unsupported_media_type` before any decoding, where HEVC is left out (see [HEIC, AVIF and JPEG XL](formats.md#heic-avif-and-jpeg-xl))",
    };

    /// <summary>OPENCV_IO_MAX_IMAGE_PIXELS, read by OpenCV itself.</summary>
    public static readonly TextSetting OpenCvMaxPixels = new()
    {
        Name = "OPENCV_IO_MAX_IMAGE_PIXELS",
        UnsetText = "= max pixels",
        Help = "OpenCV's own decoder limit (read natively at load; set from the limit above when absent)",
    };

    /// <summary>PIPELINE_MAX_OBJECT_BYTES.</summary>
    public static readonly NumberSetting MaxObjectBytes = new()
    {
        Name = "PIPELINE_MAX_OBJECT_BYTES",
        Default = 50L * 1024 * 1024,
        Max = Array.MaxLength, // the worker reads an object into one array (S3 would take 5 GiB in one PUT)
        Help = "largest upload a presigned URL allows and largest object the worker reads",
    };

    /// <summary>PIPELINE_URL_EXPIRY_SECONDS.</summary>
    public static readonly NumberSetting UrlExpirySeconds = new()
    {
        Name = "PIPELINE_URL_EXPIRY_SECONDS",
        Default = 300,
        Max = 3600, // URLs signed with the function role's session credentials die with the session anyway
        Help = "lifetime of presigned upload and result URLs (at most an hour)",
    };

    /// <summary>
    /// Conversions at once that keep every core busy while as many again wait on storage or the
    /// network: two a core (at least two). The worker's default concurrency, and the local API host's.
    /// </summary>
    public static int TwoPerCore { get; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>PIPELINE_WORKER_CONCURRENCY.</summary>
    public static readonly NumberSetting WorkerConcurrency = new()
    {
        Name = "PIPELINE_WORKER_CONCURRENCY",
        Default = TwoPerCore,
        Max = 64,
        DefaultDescription = "2 × cores",
        Help = "objects of one batch processed at once",
    };

    /// <summary>PIPELINE_QUALITY.</summary>
    public static readonly NumberSetting Quality = new()
    {
        Name = "PIPELINE_QUALITY",
        Default = null, // unset names none: see the help
        Max = 100,
        Help = "JPEG/WebP quality of the worker's results. Unset: a JPEG keeps its own luma losslessly where that can be done exactly (see [Gray and quality](formats.md#gray-and-quality)), and whatever is encoded gets 90",
    };

    /// <summary>
    /// PIPELINE_DECODE_BUDGET_BYTES. Its default is 60% of the function's memory (the machine's
    /// outside Lambda) less what the inputs being read may hold, every object of a batch in flight
    /// being a buffer of up to PIPELINE_MAX_OBJECT_BYTES: so everything the worker holds stays
    /// inside its memory. A default under <see cref="LeastDecodeBudgetBytes"/> refuses to start.
    /// </summary>
    public static readonly NumberSetting DecodeBudgetBytes = new()
    {
        Name = "PIPELINE_DECODE_BUDGET_BYTES",
        Default = null,
        ComputedDefault = DefaultDecodeBudget,
        DefaultDescription = "60% of the function's memory (the machine's locally) less concurrency × max object bytes",
        Help = "decode memory concurrent conversions may hold together; each image's peak is estimated from its header (format, alpha, bit depth, progressive), and an image whose peak exceeds the whole budget gets a `too_many_pixels` report",
    };

    /// <summary>AWS_LAMBDA_FUNCTION_MEMORY_SIZE, set by Lambda.</summary>
    public static readonly NumberSetting LambdaMemoryMegabytes = new()
    {
        Name = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        Default = 0,
        Min = 0,
        DefaultDescription = "Lambda's",
        Help = "the function's memory in MB, set by Lambda; sizes the decode budget",
    };

    /// <summary>PIPELINE_MAX_RECEIVE_COUNT.</summary>
    public static readonly NumberSetting MaxReceiveCount = new()
    {
        Name = "PIPELINE_MAX_RECEIVE_COUNT",
        Default = 5,
        Max = 1000,
        Help = "the queue's maxReceiveCount: on a message's last receive a failure also leaves an `.error.json` (`unavailable`), so its job reads \"failed\"",
    };

    /// <summary>PIPELINE_API_KEY.</summary>
    public static readonly TextSetting ApiKey = new()
    {
        Name = "PIPELINE_API_KEY",
        MinLength = 16,
        Help = "locally, the API keys the local gateway requires in `x-api-key`: one key, or `id=key` entries separated by commas, one per client (each key at least 16 characters); it passes the key's id to the function as API Gateway does, and only that key reads the jobs it creates. Deployed, API Gateway's API keys do it",
    };

    /// <summary>PIPELINE_ALLOWED_ORIGIN.</summary>
    public static readonly TextSetting AllowedOrigin = new()
    {
        Name = "PIPELINE_ALLOWED_ORIGIN",
        UnsetText = "unset",
        Help = "CORS: another origin browsers may call the API from (`*` for any); unset, only pages of the API's own origin can, which need no CORS. Deployed, the AllowedOrigin parameter sets it; preflights are answered without an API key",
    };

    /// <summary>PIPELINE_QUEUE_NAME, read by the local worker host.</summary>
    public static readonly TextSetting QueueName = new()
    {
        Name = "PIPELINE_QUEUE_NAME",
        UnsetText = "(template's)",
        Help = "the queue `pipeline-local worker` polls (locally; on AWS the event source mapping names it)",
    };

    /// <summary>The least decode memory the worker starts with by default.</summary>
    public const long LeastDecodeBudgetBytes = 64L * 1024 * 1024;

    /// <summary>
    /// The memory a function may use: its Lambda memory size (AWS_LAMBDA_FUNCTION_MEMORY_SIZE),
    /// or outside Lambda what the machine (or its container) gives this process.
    /// </summary>
    public static long MemoryBytes(Func<string, string?> read)
    {
        long megabytes = LambdaMemoryMegabytes.Read(read);
        return megabytes > 0 ? megabytes * 1024 * 1024 : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    private static long DefaultDecodeBudget(Func<string, string?> read)
    {
        long memory = MemoryBytes(read), concurrency = WorkerConcurrency.Read(read), maxObjectBytes = MaxObjectBytes.Read(read);
        long budget = memory * 6 / 10 - concurrency * maxObjectBytes;
        if (budget < LeastDecodeBudgetBytes)
        {
            throw new InvalidOperationException(
                $"{concurrency} objects of up to {maxObjectBytes} bytes in flight leave no room to decode in {memory / (1024 * 1024)} MB: "
                + $"lower {WorkerConcurrency.Name} or {MaxObjectBytes.Name}, or give the function more memory.");
        }
        return budget;
    }

    /// <summary>Every setting, in the configuration table's order.</summary>
    public static IReadOnlyList<Setting> All { get; } =
    [
        InputBucket, OutputBucket, MaxInlineBytes, MaxPixels, Heic, OpenCvMaxPixels, MaxObjectBytes, UrlExpirySeconds,
        WorkerConcurrency, Quality, DecodeBudgetBytes, MaxReceiveCount, ApiKey, AllowedOrigin, QueueName,
    ];

    /// <summary>The configuration table of docs/configuration.md, generated from the declarations above.</summary>
    public static string MarkdownTable()
    {
        var table = new StringBuilder("| variable | default | meaning |\n|---|---|---|\n");
        foreach (var setting in All)
            table.Append($"| `{setting.Name}` | {setting.DefaultText} | {setting.Help} |\n");
        table.Append("| `AWS_ENDPOINT_URL`, `AWS_REGION`, credentials | AWS's | the only AWS settings: point them at LocalStack, moto or real AWS |\n");
        return table.ToString();
    }
}
