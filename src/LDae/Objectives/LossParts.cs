using static TorchSharp.torch;

namespace LDae.Objectives;

/// <summary>
/// The loss of one batch (scalars). For original-image prediction, <see cref="Subspace"/> and
/// <see cref="Residual"/> are the (timestep-weighted) pixel MSE of the error inside and outside the PCA
/// subspace, and Total = Subspace + ResidualWeight·Residual; otherwise both are null.
/// </summary>
public sealed record LossParts(Tensor Total, Tensor? Subspace, Tensor? Residual) : IDisposable
{
    public void Dispose()
    {
        Total.Dispose();
        Subspace?.Dispose();
        Residual?.Dispose();
    }
}
