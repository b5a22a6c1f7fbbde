using Amazon.S3.Model;
using Pipeline.Storage;
using Pipeline.Tests;

namespace Pipeline.Bench;

/// <summary>The pipeline's buckets on a <see cref="MotoServer"/>, as the benchmark uses them.</summary>
public static class MotoBuckets
{
    extension(MotoServer moto)
    {
        /// <summary>The input bucket, from the template.</summary>
        public string InputBucket => moto.Environment["PIPELINE_INPUT_BUCKET"];

        /// <summary>The output bucket, from the template.</summary>
        public string OutputBucket => moto.Environment["PIPELINE_OUTPUT_BUCKET"];

        /// <summary>Uploads <paramref name="bytes"/> to the input bucket; returns the ETag without quotes.</summary>
        public async Task<string> PutInputAsync(string key, byte[] bytes)
        {
            var put = await moto.S3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = moto.InputBucket,
                Key = key,
                InputStream = new MemoryStream(bytes, writable: false),
                ContentType = "image/jpeg",
            });
            return ObjectKeys.NormalizeETag(put.ETag);
        }

        /// <summary>Downloads an output object.</summary>
        public async Task<byte[]> GetOutputAsync(string key)
        {
            using var response = await moto.S3.GetObjectAsync(moto.OutputBucket, key);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer);
            return buffer.ToArray();
        }

        /// <summary>How many output objects exist under <paramref name="prefix"/>, and how many of them are error reports.</summary>
        public async Task<(int Objects, int Errors)> CountOutputsAsync(string prefix)
        {
            int objects = 0, errors = 0;
            var request = new ListObjectsV2Request { BucketName = moto.OutputBucket, Prefix = prefix };
            ListObjectsV2Response page;
            do
            {
                page = await moto.S3.ListObjectsV2Async(request);
                foreach (var o in page.S3Objects ?? [])
                {
                    objects++;
                    if (o.Key.EndsWith(ObjectKeys.ErrorSuffix, StringComparison.Ordinal))
                        errors++;
                }
                request.ContinuationToken = page.NextContinuationToken;
            }
            while (page.IsTruncated == true);
            return (objects, errors);
        }
    }
}
