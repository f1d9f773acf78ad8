using LDae.Data;
using static TorchSharp.torch;

namespace LDae.Evaluation;

/// <summary>
/// Runs a frozen encoder over a dataset and collects one feature vector per image (N×F, float32). This is the
/// only pass over the images a probe needs: the linear and kNN probes then train on the cached matrix.
/// </summary>
/// <remarks>
/// Runs under <c>no_grad</c> (not inference_mode: inference tensors could not later be fed to the probe's
/// autograd graph) with one dispose scope per batch. The caller puts the model in eval mode (and swaps in EMA
/// weights) before calling.
/// </remarks>
public static class FeatureExtractor
{
    /// <summary>Images per forward pass where nothing else decides: 512.</summary>
    public const int DefaultBatch = 512;

    /// <summary>
    /// Images per forward pass of a ViT of <paramref name="shape"/> on the CPU: <see cref="DefaultBatch"/>, halved
    /// while the batch's largest activation (the MLP's hidden layer, or the attention probabilities) would reach
    /// glibc's mmap threshold (<see cref="Runtime.MallocPolicy.MmapBytes"/>). Above it every such tensor is a fresh
    /// mmap whose pages the kernel faults in and zeroes on first touch, every batch: at the cpu profile's shape
    /// (64 tokens, MLP 768) batches of 512 ran the feature pass at 143–229 img/s, batches of 128 at 699.
    /// </summary>
    public static int CpuBatch(Models.BackboneOptions shape)
    {
        long perImage = 4L * shape.TokenCount * Math.Max(shape.MlpHidden, (long)shape.Heads * shape.TokenCount);
        int batch = DefaultBatch;
        while (batch > 1 && batch * perImage >= Runtime.MallocPolicy.MmapBytes) batch /= 2;
        return batch;
    }

    /// <summary>
    /// Features of stored uint8 images (N×C×H×W), <paramref name="batchSize"/> at a time.
    /// <paramref name="toInput"/> maps a uint8 batch to model input (default <see cref="ImageDataset.ToModelInput"/>).
    /// </summary>
    public static Tensor Extract(Func<Tensor, Tensor> featuresOf, Tensor images, int batchSize, Func<Tensor, Tensor>? toInput = null)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        toInput ??= ImageDataset.ToModelInput;
        long n = images.shape[0];
        Tensor? result = null;
        using var _ = no_grad();
        for (long start = 0; start < n; start += batchSize)
        {
            long end = Math.Min(n, start + batchSize);
            using var scope = NewDisposeScope();
            var f = Features(featuresOf, toInput(images.narrow(0, start, end - start)));
            // The result lives in the caller's scope (or none), not in this batch's.
            result ??= empty(n, f.shape[1]).MoveToOuterDisposeScope();
            result.narrow(0, start, end - start).copy_(f);
        }
        return result ?? zeros(0, 0);
    }

    /// <summary>
    /// Features of a stream of model-input batches. Tensors the enumerator creates are disposed after use (the
    /// enumeration runs inside the per-batch scope); tensors it merely hands out (e.g. slices of a kept tensor)
    /// are only views and are left alone by the caller's lifetime.
    /// </summary>
    public static Tensor Extract(Func<Tensor, Tensor> featuresOf, IEnumerable<Tensor> batches)
    {
        var parts = new List<Tensor>();
        try
        {
            using var _ = no_grad();
            using var e = batches.GetEnumerator();
            while (true)
            {
                using var scope = NewDisposeScope();
                if (!e.MoveNext()) break;
                parts.Add(Features(featuresOf, e.Current).DetachFromDisposeScope());
            }
            return parts.Count == 0 ? zeros(0, 0) : cat(parts, 0);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    static Tensor Features(Func<Tensor, Tensor> featuresOf, Tensor input)
    {
        var f = featuresOf(input);
        if (f.ndim != 2 || f.shape[0] != input.shape[0])
            throw new InvalidOperationException($"features must be N×F with N = {input.shape[0]}, got [{string.Join(", ", f.shape)}]");
        return f.to(ScalarType.Float32).contiguous();
    }
}
