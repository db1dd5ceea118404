// Four training steps of the 64x64 DCGAN (dcgan64 without its Dropout, whose masks PyTorch cannot
// replay) in xgan, for same_steps_dcgan64.py to replay in PyTorch from the same weights, batches and
// noise. From the repository root (the files go to the current folder of the run):
//   g++ -std=c++20 -O2 -march=native -I include -I /usr/include/stb \
//       examples/pytorch/same_steps_dcgan64.cpp -o /tmp/same64 -lopenblas -ltbb -lz
//   (cd /tmp && ./same64 && /usr/bin/python3 $OLDPWD/examples/pytorch/same_steps_dcgan64.py)
#include <xgan/xgan.hpp>
#include <xgan/models/tutorials.hpp>
using namespace xgan;
struct M64 {
  using G = xgan::models::Dcgan64::G;
  using D = Sequential<Conv2d<3, 64, 4, 2, 1, false>, LeakyReLU<ratio(0.2)>,
                       Conv2d<64, 128, 4, 2, 1, false>, BatchNorm2d<128>, LeakyReLU<ratio(0.2)>,
                       Conv2d<128, 256, 4, 2, 1, false>, BatchNorm2d<256>, LeakyReLU<ratio(0.2)>,
                       Conv2d<256, 512, 4, 2, 1, false>, BatchNorm2d<512>, LeakyReLU<ratio(0.2)>,
                       Conv2d<512, 1, 4, 1, 0, false>, Sigmoid>;
  using gan = Gan<G, D, Shape<100, 1, 1>>;
};
int main() {
  using GanT = M64::gan;
  GanOptions opt; opt.init = Init::dcgan;
  GanTrainer<GanT> tr(opt, 7);
  io::save_weights(tr.generator(), "g0.safetensors");
  io::save_weights(tr.discriminator(), "d0.safetensors");
  const int steps = 4, n = 16, S = 3*64*64;
  std::vector<float> reals(steps*n*S), zs(steps*n*100);
  Rng data(99); data.fill_uniform(reals.data(), reals.size(), -1.0, 1.0);
  Rng zr = tr.rng();
  for (int s = 0; s < steps; ++s) {
    Tensor<Shape<3,64,64>, Cpu> real(n);
    std::copy(reals.data()+s*n*S, reals.data()+(s+1)*n*S, real.data());
    zr.fill_normal(zs.data()+s*n*100, n*100);
    auto st = tr.train_step(real);
    printf("step %d d_loss %.6f g_loss %.6f d_real %.6f d_fake %.6f\n", s, st.d_loss, st.g_loss, st.d_real, st.d_fake);
  }
  io::write_safetensors("batches.safetensors", {{"real", io::DType::F32, {steps, n, 3, 64, 64}, reals.data()}, {"z", io::DType::F32, {steps, n, 100, 1, 1}, zs.data()}});
  io::save_weights(tr.generator(), "g5.safetensors");
  io::save_weights(tr.discriminator(), "d5.safetensors");
  // eval-mode samples of the final G for z of the last step
  Tensor<Shape<100,1,1>, Cpu> z(n); std::copy(zs.data()+(steps-1)*n*100, zs.data()+steps*n*100, z.data());
  const auto& y = tr.generate(z, Mode::eval);
  io::write_safetensors("eval.safetensors", {{"y", io::DType::F32, {n, 3, 64, 64}, y.data()}});
}
