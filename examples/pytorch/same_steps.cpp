#include <xgan/xgan.hpp>
#include <xgan/models/tutorials.hpp>
using namespace xgan;
using M = xgan::models::Mlp;
int main() {
  using GanT = M::gan;
  GanOptions opt; // lr 2e-4 betas .5 .999
  GanTrainer<GanT> tr(opt, 7);
  io::save_weights(tr.generator(), "g0.safetensors");
  io::save_weights(tr.discriminator(), "d0.safetensors");
  auto ds = data::load_mnist_dir("/work/main/data/mnist", true);
  const int steps = 5, n = 64;
  std::vector<float> reals(steps*n*784), zs(steps*n*100);
  Rng zr = tr.rng();
  for (int s = 0; s < steps; ++s) {
    Tensor<Shape<1,28,28>, Cpu> real(n);
    for (int i = 0; i < n; ++i) ds.copy_sample(std::size_t(s*n+i), real.sample(i));
    std::copy(real.data(), real.data()+real.size(), reals.data()+s*n*784);
    zr.fill_normal(zs.data()+s*n*100, n*100);
    auto st = tr.train_step(real);
    printf("step %d d_loss %.6f g_loss %.6f d_real %.6f d_fake %.6f\n", s, st.d_loss, st.g_loss, st.d_real, st.d_fake);
  }
  io::write_safetensors("batches.safetensors", {{"real", io::DType::F32, {steps, n, 1, 28, 28}, reals.data()}, {"z", io::DType::F32, {steps, n, 100}, zs.data()}});
  io::save_weights(tr.generator(), "g5.safetensors");
  io::save_weights(tr.discriminator(), "d5.safetensors");
}
