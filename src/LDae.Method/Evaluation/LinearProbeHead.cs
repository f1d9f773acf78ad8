using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Evaluation;

/// <summary>
/// MAE's linear-probe classifier: BatchNorm1d <b>without affine parameters</b> (it only standardises each
/// feature with batch / running statistics, which makes the probe insensitive to the scale of the frozen
/// features without adding capacity) followed by one linear layer.
/// </summary>
public sealed class LinearProbeHead : nn.Module<Tensor, Tensor>
{
    readonly BatchNorm1d norm;
    readonly Linear head;

    public LinearProbeHead(long features, long classes, double bnEps = 1e-6, double initStd = 0.01, Generator? generator = null)
        : base(nameof(LinearProbeHead))
    {
        norm = nn.BatchNorm1d(features, eps: bnEps, affine: false);
        head = nn.Linear(features, classes);
        using (no_grad())
        {
            LDae.Training.TruncatedNormal.Fill_(head.weight, mean: 0, std: initStd, generator: generator);  // not nn.init.trunc_normal_: broken in TorchSharp 0.107
            nn.init.zeros_(head.bias);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor features) => head.forward(norm.forward(features));
}
