using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>
/// What one training step's objective returns: the scalar to minimise and, optionally, named scalar parts
/// to log (e.g. l-DAE's "subspace" and "residual" terms). Parts are only read, never differentiated.
/// </summary>
public sealed record StepLoss(Tensor Loss, IReadOnlyDictionary<string, Tensor>? Parts = null)
{
    public static implicit operator StepLoss(Tensor loss) => new(loss);
}
