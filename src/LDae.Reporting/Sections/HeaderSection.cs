using System.Text;

namespace LDae.Reporting.Sections;

/// <summary>The report's title and the paragraph that says what it reproduces and where its numbers come from.</summary>
static class HeaderSection
{
    public static void Write(StringBuilder md, ReportModel model)
    {
        md.Append($"# LDae results — profile `{model.Profile}`\n\n");
        md.Append("A reproduction of *Deconstructing Denoising Diffusion Models for Self-Supervised Learning* (Chen, Liu, Xie, He 2024). ");
        md.Append($"Profile `{model.Profile}`: {model.ProfileInfo.Description}.\n\n");
        md.Append($"Every number below is read from `results/{model.Profile}/`; no result is typed by hand. ");
        md.Append("**Paper** is the paper's linear-probe top-1 (%) on ImageNet (ViT-½L, 400 epochs) (the paper's tables, as given in `experiments/*.yaml`); ");
        md.Append("**Ours** is our linear-probe top-1 (%) at this profile — different data and scale, so compare the direction of each step, not the level.\n\n");
    }
}
