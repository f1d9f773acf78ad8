using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>One training batch: inputs and (optional) labels, first dimension = batch.</summary>
public sealed record Batch(Tensor X, Tensor? Y)
{
    public long Count => X.shape[0];
}

/// <summary>
/// A deterministic, random-access view of the training stream: the batch at (epoch, index) is a pure function
/// of the source's seed and those coordinates, so a resumed run sees exactly the batches it would have seen.
/// </summary>
/// <remarks>
/// The trainer calls <see cref="Get"/> inside the step's dispose scope and owns the returned tensors: return
/// fresh tensors (e.g. from <c>index_select</c>), never a tensor the source keeps.
/// </remarks>
public interface IBatchSource
{
    int BatchSize { get; }

    /// <summary>Full batches per epoch (a trailing partial batch is dropped, as with drop_last).</summary>
    int StepsPerEpoch { get; }

    Batch Get(int epoch, int index);
}
