# Runs the xgan tool end to end (ctest -P script). Variables: XGAN (the tool), WORK (a scratch
# folder), MNIST (folder holding mnist/), CASE (which check).
cmake_minimum_required(VERSION 3.20)
set(ENV{XGAN_DATA} "${MNIST}")
set(ENV{XGAN_NO_TUNING} "1")  # same kernels in every run of a comparison

include(${CMAKE_CURRENT_LIST_DIR}/../cmake/xgan_run.cmake)

set(tiny --model mlp-tiny --limit 640 --log-every 5 --quiet)
# Trains 30 steps with the options in ${WORK}/whole, and 15 steps, a checkpoint and a resume to 30
# in ${WORK}/parts; each of the run files named after FILES must be byte for byte the same.
function(require_exact_resume what)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "OPTIONS;FILES")
  xgan_run(0 out train ${tiny} ${arg_OPTIONS} --max-steps 30 --out ${WORK}/whole)
  xgan_run(0 out train ${tiny} ${arg_OPTIONS} --max-steps 15 --checkpoint-every 15 --out ${WORK}/parts)
  xgan_run(0 out train --resume ${WORK}/parts --max-steps 30 --quiet)
  foreach(f ${arg_FILES})
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/whole/${f} ${WORK}/parts/${f} RESULT_VARIABLE differ)
    if(differ)
      message(FATAL_ERROR "${f}: 15 steps + resume differs from 30 uninterrupted steps ${what}")
    endif()
  endforeach()
endfunction()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

if(CASE STREQUAL "run_directory")
  xgan_run(0 out train ${tiny} --epochs 2 --out ${WORK}/run)
  foreach(f config.json metrics.jsonl samples/epoch_0001.png samples/epoch_0002.png generator.safetensors
            discriminator.safetensors loss.png report.html checkpoints/step_0000040/state.safetensors)
    if(NOT EXISTS ${WORK}/run/${f})
      message(FATAL_ERROR "run directory lacks ${f}")
    endif()
  endforeach()
  file(GLOB events ${WORK}/run/events.out.tfevents.*)
  list(LENGTH events n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "expected one TensorBoard events file, found ${n}")
  endif()
  file(STRINGS ${WORK}/run/metrics.jsonl lines)
  list(GET lines 0 first)
  foreach(key epoch step d_loss g_loss d_real d_fake seconds)
    require_contains("${first}" "\"${key}\":")
  endforeach()
  file(READ ${WORK}/run/report.html html)
  require_contains("${html}" "data:image/png;base64,")
  require_contains("${html}" "type=\"range\"")
  xgan_run(0 out sample --run ${WORK}/run --n 16 --seed 3 --out ${WORK}/grid.png)
  xgan_run(0 out sample --run ${WORK}/run --n 16 --seed 3 --out ${WORK}/s.safetensors)
  file(READ ${WORK}/s.safetensors head OFFSET 8 LIMIT 200)
  require_contains("${head}" "\"samples\":{\"dtype\":\"F32\",\"shape\":\\[16,1,28,28\\]")
  file(WRITE ${WORK}/run_dir.txt "${WORK}/run")
elseif(CASE STREQUAL "own_model")
  # examples/my_gan: a program of one's own model type through cli::main (XGAN is that program).
  xgan_run(0 out summary)
  require_contains("${out}" "my_gan: a small MLP GAN")
  require_contains("${out}" "Linear-1 +\\[-1, 256\\]")
  xgan_run(0 out train --limit 640 --max-steps 12 --grid-every 5 --log-every 5 --quiet --out ${WORK}/run)
  foreach(f config.json metrics.jsonl samples/epoch_0002.png samples/step_0000005.png samples/step_0000010.png
            generator.safetensors report.html checkpoints/step_0000012/state.safetensors)
    if(NOT EXISTS ${WORK}/run/${f})
      message(FATAL_ERROR "my_gan's run directory lacks ${f}")
    endif()
  endforeach()
  file(READ ${WORK}/run/config.json config)
  require_contains("${config}" "\"model\": \"my_gan\"")
  require_contains("${config}" "\"epochs\": 5")  # my_defaults()
  xgan_run(0 out train --resume ${WORK}/run --max-steps 15 --quiet)
  if(NOT EXISTS ${WORK}/run/checkpoints/step_0000015)
    message(FATAL_ERROR "the resumed my_gan run wrote no checkpoint at step 15")
  endif()
  xgan_run(0 out sample --run ${WORK}/run --n 16 --out ${WORK}/grid.png)
  # Its messages name the program and its models, not the xgan tool's.
  xgan_run(1 out sample --run ${WORK}/nowhere)
  require_contains("${out}" "^my_gan: .*made by `my_gan train`")
  xgan_run(105 out train --model mlp)  # CLI11's exit status for a value outside a set
  require_contains("${out}" "my_gan")
elseif(CASE STREQUAL "recipes")
  xgan_run(0 out recipes)
  require_contains("${out}" "seed1-mlp +mlp-small")
  # The recipe's settings land in config.json; an option typed beside it wins over the recipe.
  xgan_run(0 out train --recipe seed1-mlp --limit 200 --max-steps 2 --quiet --out ${WORK}/r1)
  file(READ ${WORK}/r1/config.json config)
  foreach(setting "\"model\": \"mlp-small\"" "\"lr\": 0.002" "\"beta1\": 0.9" "\"fresh_noise\": true"
                  "\"batch_size\": 100" "\"epochs\": 200")
    require_contains("${config}" "${setting}")
  endforeach()
  xgan_run(0 out train --recipe=seed1-mlp --lr 1e-4 --limit 200 --max-steps 2 --quiet --out ${WORK}/r2)
  file(READ ${WORK}/r2/config.json config)
  require_contains("${config}" "\"lr\": 0.0001")
  require_contains("${config}" "\"beta1\": 0.9")
  xgan_run(1 out train --recipe seed1-mlp --model mlp --out ${WORK}/r3)
  require_contains("${out}" "--model cannot be given with --recipe")
  xgan_run(1 out train --recipe seed4-dcgan --out ${WORK}/r3)
  require_contains("${out}" "--data folder:PATH")
  xgan_run(105 out train --recipe nope --out ${WORK}/r3)
  if(EXISTS ${WORK}/r3)
    message(FATAL_ERROR "a refused recipe run wrote ${WORK}/r3")
  endif()
elseif(CASE STREQUAL "exact_resume")
  xgan_run(0 out train ${tiny} --max-steps 50 --checkpoint-every 15 --out ${WORK}/whole)
  xgan_run(0 out train ${tiny} --max-steps 30 --checkpoint-every 15 --out ${WORK}/parts)
  xgan_run(0 out train --resume ${WORK}/parts --max-steps 50 --quiet)
  # Stopping on an epoch's last batch (640 images, batch 32: step 20) and resuming from there.
  xgan_run(0 out train ${tiny} --max-steps 20 --checkpoint-every 15 --out ${WORK}/epoch_end)
  xgan_run(0 out train --resume ${WORK}/epoch_end --max-steps 50 --quiet)
  # Resuming a run that is already at --max-steps trains nothing more.
  file(SHA256 ${WORK}/whole/generator.safetensors before)
  xgan_run(0 out train --resume ${WORK}/whole --max-steps 50 --quiet)
  file(SHA256 ${WORK}/whole/generator.safetensors after)
  if(NOT before STREQUAL after)
    message(FATAL_ERROR "resuming a finished run (--max-steps 50 at step 50) changed its generator")
  endif()
  foreach(parts parts epoch_end)
    foreach(f generator.safetensors discriminator.safetensors)
      execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/whole/${f} ${WORK}/${parts}/${f} RESULT_VARIABLE differ)
      if(differ)
        message(FATAL_ERROR "${f}: ${parts}: steps + resume differs from 50 uninterrupted steps")
      endif()
    endforeach()
  endforeach()
elseif(CASE STREQUAL "interrupt")
  # SIGINT after 4 s: a checkpoint is written, the exit status is 130, and the run resumes.
  execute_process(COMMAND timeout --preserve-status -s INT 4 ${XGAN} train --model mlp-tiny --limit 20000 --quiet
                          --out ${WORK}/run RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 130)
    message(FATAL_ERROR "interrupted run exited ${rc}, expected 130\n${out}${err}")
  endif()
  file(GLOB ckpt ${WORK}/run/checkpoints/step_*)
  if(NOT ckpt)
    message(FATAL_ERROR "no checkpoint after Ctrl-C")
  endif()
  xgan_run(0 out train --resume ${WORK}/run --max-steps 5 --quiet)
elseif(CASE STREQUAL "objective")
  # --objective picks the family's entry; the run keeps it (config, resume, sample) and logs
  # the objective's own figures.
  xgan_run(0 out train --model dcgan --objective hinge --limit 256 --max-steps 2 --log-every 1 --quiet --out ${WORK}/hinge)
  file(READ ${WORK}/hinge/config.json cfg)
  require_contains("${cfg}" "\"model\": *\"dcgan-hinge\"")
  require_contains("${cfg}" "\"objective\": *\"hinge\"")
  xgan_run(0 out train --resume ${WORK}/hinge --max-steps 3 --quiet)
  xgan_run(0 out sample --run ${WORK}/hinge --n 8 --out ${WORK}/hinge.png)
  xgan_run(0 out train --model dcgan --objective wgan-gp --limit 256 --max-steps 1 --quiet --out ${WORK}/gp)
  file(READ ${WORK}/gp/config.json cfg)
  require_contains("${cfg}" "\"model\": *\"wgan-gp\"")
  file(STRINGS ${WORK}/gp/metrics.jsonl lines)
  list(GET lines 0 first)
  require_contains("${first}" "\"penalty\":")
  xgan_run(1 out train --model mlp --objective hinge)
  require_contains("${out}" "model mlp has no --objective hinge; it trains with: bce")
  xgan_run(105 out train --model dcgan --objective nope)
  require_contains("${out}" "r1")
elseif(CASE STREQUAL "bad_input")
  xgan_run(105 out train --model nope)
  require_contains("${out}" "mlp-tiny")
  set(ENV{XGAN_DATA} "${WORK}/empty")
  xgan_run(1 out train ${tiny} --out ${WORK}/r)
  require_contains("${out}" "fetch-mnist")
  set(ENV{XGAN_DATA} "${MNIST}")
  file(WRITE ${WORK}/file "not a folder")
  xgan_run(1 out train ${tiny} --out ${WORK}/file/run)
  require_contains("${out}" "file/run")
  xgan_run(1 out train --resume ${WORK}/nowhere)
  require_contains("${out}" "nowhere/config.json")
  # A run of another model: resume refuses, naming the file, and changes nothing.
  xgan_run(0 out train ${tiny} --max-steps 5 --out ${WORK}/tiny)
  file(READ ${WORK}/tiny/config.json cfg)
  string(REPLACE "\"mlp-tiny\"" "\"mlp-small\"" cfg "${cfg}")
  file(WRITE ${WORK}/tiny/config.json "${cfg}")
  file(SHA256 ${WORK}/tiny/generator.safetensors before)
  xgan_run(1 out train --resume ${WORK}/tiny)
  require_contains("${out}" "another model|does not exist in the model|has shape")
  file(SHA256 ${WORK}/tiny/generator.safetensors after)
  if(NOT before STREQUAL after)
    message(FATAL_ERROR "a refused resume changed generator.safetensors")
  endif()
  xgan_run(105 out sample --run ${WORK}/tiny --n 0)
  require_contains("${out}" "--n: Value 0 not in range 1")

  # Every option is checked up front, with its valid range; -1 is not "the default" (leaving
  # the option out is), NaN and Inf are refused, and nothing is written.
  foreach(bad "--lr;-1;--lr must be a number in \\(0, 1\\], not -1"
              "--epochs;-3;--epochs must be a whole number from 1 to"
              "--epochs;0;--epochs must be a whole number from 1 to"
              "--batch-size;-7;--batch-size must be a whole number from 1 to"
              "--checkpoint-every;-1;--checkpoint-every must be a whole number from 0 to"
              "--critic-steps;-2;--critic-steps must be a whole number from 1 to 1000"
              "--keep;-1;--keep must be a whole number from 0 to"
              "--real-label;nan;--real-label must be a number in \\[0, 1\\], not nan"
              "--beta1;inf;--beta1 must be a number in \\[0, 1\\), not inf"
              "--max-image-pixels;0;--max-image-pixels must be a whole number from 1 to")
    list(GET bad 0 option)
    list(GET bad 1 value)
    list(GET bad 2 message)
    xgan_run(1 out train ${tiny} --out ${WORK}/refused ${option} "${value}")
    require_contains("${out}" "${message}")
    if(EXISTS ${WORK}/refused)
      message(FATAL_ERROR "train ${option} '${value}' was refused but wrote ${WORK}/refused")
    endif()
  endforeach()
  xgan_run(1 out train --model mlp-tiny --quiet --limit -5 --out ${WORK}/refused)
  require_contains("${out}" "--limit must be a whole number from 0 to")
  xgan_run(1 out train --model mlp-tiny --quiet --limit 500 --batch-size 1000000000 --out ${WORK}/refused)
  require_contains("${out}" "--batch-size must be a whole number from 1 to 1048576, not 1000000000")
  xgan_run(1 out train --model mlp-tiny --quiet --limit 500 --batch-size 501 --out ${WORK}/refused)
  require_contains("${out}" "--batch-size must be a whole number from 1 to 500 \\(the training images\\), not 501")
  if(EXISTS ${WORK}/refused)
    message(FATAL_ERROR "a refused --batch-size wrote ${WORK}/refused")
  endif()
  # Options the model cannot honour are refused up front, naming the option and the model, and
  # nothing is written (no run directory, no data loaded: folder:nowhere does not exist).
  function(refused message)
    xgan_run(1 out train ${ARGN} --limit 640 --quiet --out ${WORK}/refused)
    require_contains("${out}" "${message}")
    if(EXISTS ${WORK}/refused)
      message(FATAL_ERROR "train ${ARGN} was refused but wrote ${WORK}/refused")
    endif()
  endfunction()
  refused("--momentum: only the sgd and rmsprop optimizers have momentum; both networks use adam"
          --model mlp-tiny --momentum 0.9)
  refused("--beta1: only the adam and adamw optimizers have betas"
          --model mlp-tiny --optimizer-g sgd --optimizer-d rmsprop --beta1 0.9)
  refused("--optimizer-d must be adam, adamw, sgd or rmsprop, not 'adagrad'" --model mlp-tiny --optimizer-d adagrad)
  refused("--g-steps must be a whole number from 1 to 1000, not 0" --model mlp-tiny --g-steps 0)
  refused("--clip must be a number in \\[0, 100\\], not -1" --model mlp-tiny --clip -1)
  refused("--channels 3: model dcgan64-gray makes 1-channel samples only \\(3 channels: --model dcgan64\\)"
          --model dcgan64-gray --channels 3)
  refused("--channels 3: model mlp-tiny makes 1-channel samples only; --channels chooses 1 or 3 for dcgan64, dcgan64-upsample, wgan-gp64 only"
          --model mlp-tiny --channels 3)
  refused("--channels 3: model wgan-gp64-gray makes 1-channel samples only \\(3 channels: --model wgan-gp64\\)"
          --model wgan-gp64-gray --channels 3)
  refused("--channels 1: model cgan64 makes 3-channel samples only" --model cgan64 --channels 1)
  refused("--spectral-norm: model cgan has no variant with spectral norm on D; the models with one: mlp, dcgan"
          --model cgan --spectral-norm)
  refused("--real-label: model wgan-gp trains with the wgan-gp objective, which does not use targets"
          --model wgan-gp --real-label 0.9)
  refused("--noisy-labels: model dcgan-hinge trains with the hinge objective, which does not use targets"
          --model dcgan --objective hinge --noisy-labels 0.1)
  refused("--flip-labels: model cwgan-gp trains with the wgan-gp objective" --model cwgan-gp --flip-labels 0.1)
  refused("--real-label: model dcgan64 draws noisy labels by default \\(--noisy-labels 0.1: real targets ~ U\\(0.9, 1\\)\\); add --noisy-labels 0"
          --model dcgan64 --real-label 0.9)
  refused("--real-label and --noisy-labels both set the real targets" --model mlp-tiny --real-label 0.9 --noisy-labels 0.2)
  refused("--labels/--attribute: model mlp-tiny is not conditional; the conditional models are cgan, cgan-embed, cgan64, cwgan-gp"
          --model mlp-tiny --labels ${WORK}/attrs.csv --attribute Smiling)
  refused("model cgan64 is conditional: with --data folder:[^ ]*/nowhere it needs the images' labels, --labels CSV --attribute NAME"
          --model cgan64 --data folder:${WORK}/nowhere)
  refused("--eval-every: no classifier for this data: the samples are 3x64x64 \\(RGB\\)" --model dcgan64 --eval-every 5)
  refused("--eval-every: no classifier for this data \\('folder:" --model mlp-tiny --data folder:${WORK}/nowhere --eval-every 5)
  # A channel count the model does make is accepted; dcgan64 is the one with both.
  xgan_run(0 out train ${tiny} --channels 1 --max-steps 1 --out ${WORK}/channels)
  # --resume takes the run's settings from its config.json: any other setting typed with it
  # (it would be ignored) is refused; --epochs, --max-steps and --quiet may be given.
  foreach(bad "--lr;0.001" "--model;dcgan" "--channels;1" "--out;${WORK}/elsewhere" "--eval-every;5")
    list(GET bad 0 option)
    xgan_run(1 out train --resume ${WORK}/nowhere ${bad})
    require_contains("${out}" "${option} cannot be given with --resume: the run goes on with the settings in its config.json")
  endforeach()

  # An empty --out or --resume (a literal "" argument, which xgan_run's list would drop) is
  # refused before anything is written into the current folder.
  file(MAKE_DIRECTORY ${WORK}/cwd)
  foreach(option --out --resume)
    execute_process(COMMAND ${XGAN} train ${tiny} ${option} "" WORKING_DIRECTORY ${WORK}/cwd RESULT_VARIABLE rc
                    OUTPUT_VARIABLE out ERROR_VARIABLE err)
    require_contains("${rc} ${out}${err}" "^1 .*${option} must name (the|a) run directory")
    file(GLOB written ${WORK}/cwd/*)
    if(written)
      message(FATAL_ERROR "train ${option} '' wrote ${written}")
    endif()
  endforeach()

  # The same checks for a hand-edited config.json on --resume, naming the file and the key.
  xgan_run(0 out train ${tiny} --max-steps 4 --checkpoint-every 2 --out ${WORK}/cfg)
  file(READ ${WORK}/cfg/config.json good)
  foreach(edit "\"batch_size\": -5;batch_size must be a whole number from 1 to"
               "\"epochs\": 1e30;epochs must be a whole number, not 1e\\+30"
               "\"batch_size\": 4294967297;batch_size must be a whole number from 1 to [0-9]+, not 4294967297"
               "\"real_label\": null;real_label must be a number, not null"
               "\"lr\": 1e999;not a valid run configuration: .*number overflow"
               "\"lr\": 2;lr must be a number in \\(0, 1\\], not 2"
               "\"seed\": -1;seed must be a whole number from 0")
    list(GET edit 0 replacement)
    list(GET edit 1 message)
    string(REGEX MATCH "^\"[a-z_]+\"" key "${replacement}")
    string(REGEX REPLACE "${key}: [^,\n]+" "${replacement}" cfg "${good}")
    file(WRITE ${WORK}/cfg/config.json "${cfg}")
    xgan_run(1 out train --resume ${WORK}/cfg)
    require_contains("${out}" "cfg/config.json: ${message}")
  endforeach()
  file(WRITE ${WORK}/cfg/config.json "${good}")
  # A newest checkpoint that does not load is skipped, with the reason, for the one before it.
  file(REMOVE ${WORK}/cfg/checkpoints/step_0000004/state.safetensors)
  xgan_run(0 out train --resume ${WORK}/cfg --max-steps 6)
  require_contains("${out}" "skipped a checkpoint that does not load: [^\n]*step_0000004/state.safetensors: not found")
elseif(CASE STREQUAL "training_controls")
  # Per-network optimizers and the tutorials' step variants: a run of 30 steps equals 15 steps,
  # a checkpoint and a resume byte for byte, and the checkpoint holds each optimizer's own state.
  set(controls --optimizer-g rmsprop --optimizer-d sgd --momentum 0.9 --lr-g 0.0005 --lr-d 0.01 --g-steps 2
               --fresh-noise --clip 0.05 --halve-d-loss)
  require_exact_resume("with these controls" OPTIONS ${controls} FILES generator.safetensors discriminator.safetensors)
  file(READ ${WORK}/parts/config.json config)
  require_contains("${config}" "\"optimizer_g\": *\"rmsprop\"")
  require_contains("${config}" "\"g_steps\": *2")
  # The safetensors header is JSON after an 8-byte length; file(STRINGS) keeps its printable text.
  file(STRINGS ${WORK}/parts/checkpoints/step_0000015/optimizers.safetensors header LIMIT_INPUT 4000)
  foreach(entry generator.square_avg generator.momentum_buffer discriminator.momentum_buffer)
    require_contains("${header}" "${entry}")
  endforeach()
  # The start line names each network's optimizer.
  xgan_run(0 out train --model mlp-tiny --limit 640 --max-steps 1 --optimizer-d adamw --out ${WORK}/line2)
  require_contains("${out}" "G Adam lr 0.0003 betas \\(0.5, 0.999\\), D AdamW lr 0.0003")
  # torchsummary's batch_size.
  xgan_run(0 out summary --model mlp --batch 64)
  require_contains("${out}" "\\[64, 256\\]")
  xgan_run(0 out summary --model mlp)
  require_contains("${out}" "\\[-1, 256\\]")
elseif(CASE STREQUAL "stabilisers")
  # Experience replay and the average of G's weights: a resume is exact for both, the average is
  # its own file, and sample and eval take it unless --no-ema.
  set(tricks --replay 0.5 --replay-size 100 --ema 0.99)
  require_exact_resume("with replay and ema" OPTIONS ${tricks}
                       FILES generator.safetensors discriminator.safetensors generator_ema.safetensors)
  file(READ ${WORK}/parts/config.json config)
  require_contains("${config}" "\"replay\": *0.5")
  require_contains("${config}" "\"replay_size\": *100")
  require_contains("${config}" "\"ema\": *0.99")
  file(STRINGS ${WORK}/parts/checkpoints/step_0000015/state.safetensors header LIMIT_INPUT 4000)
  require_contains("${header}" "replay.buffer")
  xgan_run(0 out train --model mlp-tiny --limit 640 --max-steps 1 ${tricks} --out ${WORK}/line)
  require_contains("${out}" "experience replay: each fake swapped with probability 0.5 for one of 100 past fakes")
  require_contains("${out}" "decay 0.99")
  # sample takes the average by default: the same grid as from generator_ema.safetensors itself.
  xgan_run(0 out sample --run ${WORK}/whole --n 16 --out ${WORK}/default.png)
  xgan_run(0 out sample --generator ${WORK}/whole/generator_ema.safetensors --model mlp-tiny --n 16 --out ${WORK}/ema.png)
  xgan_run(0 out sample --run ${WORK}/whole --no-ema --n 16 --out ${WORK}/trained.png)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/default.png ${WORK}/ema.png RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "xgan sample --run did not sample generator_ema.safetensors")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/default.png ${WORK}/trained.png RESULT_VARIABLE same)
  if(NOT same)
    message(FATAL_ERROR "xgan sample --no-ema gave the average's grid")
  endif()
  xgan_run(1 out train ${tiny} --replay 1.5 --out ${WORK}/bad)
  require_contains("${out}" "--replay must be a number in \\[0, 1\\], not 1.5")
  xgan_run(1 out train ${tiny} --ema 1 --out ${WORK}/bad)
  require_contains("${out}" "--ema must be a number in \\[0, 1\\), not 1")
  xgan_run(1 out train ${tiny} --replay 0.5 --replay-size 0 --out ${WORK}/bad)
  require_contains("${out}" "--replay-size must be a whole number from 1")
elseif(CASE STREQUAL "stream_images")
  # A folder streamed from disk trains exactly as the same folder held in memory.
  xgan_run(0 out train ${tiny} --max-steps 5 --out ${WORK}/source)
  file(MAKE_DIRECTORY ${WORK}/images)
  foreach(i RANGE 1 24)
    xgan_run(0 out sample --run ${WORK}/source --n 2 --seed ${i} --out ${WORK}/images/${i}.png)
  endforeach()
  set(folder --model mlp-tiny --data folder:${WORK}/images --batch-size 8 --max-steps 9)
  xgan_run(0 out train ${folder} --quiet --out ${WORK}/kept)
  xgan_run(0 out train ${folder} --stream-images --out ${WORK}/streamed)
  require_contains("${out}" "24 images streamed from disk")
  foreach(f generator.safetensors discriminator.safetensors)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/kept/${f} ${WORK}/streamed/${f} RESULT_VARIABLE differ)
    if(differ)
      message(FATAL_ERROR "${f}: the streamed folder trained differently from the folder in memory")
    endif()
  endforeach()
  # Streaming is how a run reads its data, not a setting of the run: a resume may choose it.
  xgan_run(0 out train --resume ${WORK}/kept --stream-images --max-steps 12 --quiet)
  xgan_run(1 out train --resume ${WORK}/kept --batch-size 4 --max-steps 12)
  require_contains("${out}" "only --epochs, --max-steps, --quiet and --stream-images may be given")
elseif(CASE STREQUAL "tutorial_args")
  # XGAN is the tutorial program seed3_dcgan32: --help, a mistyped option, a bad epoch count or
  # an extra argument stop it before a run directory is made.
  xgan_run(0 out --help)
  require_contains("${out}" "usage: seed3_dcgan32 \\[--mlp\\] \\[RUN_DIR\\] \\[EPOCHS\\]")
  xgan_run(1 out --bogus)
  require_contains("${out}" "unknown option '--bogus'")
  xgan_run(1 out --mlp ${WORK}/run ten)
  require_contains("${out}" "EPOCHS must be a whole number from 1 to 1000000, not 'ten'")
  xgan_run(1 out ${WORK}/run 1 extra)
  require_contains("${out}" "too many arguments")
  foreach(made "${CMAKE_CURRENT_BINARY_DIR}/--help" "${CMAKE_CURRENT_BINARY_DIR}/--bogus" "${WORK}/run")
    if(EXISTS "${made}")
      message(FATAL_ERROR "${made} was made by a command line the tutorial refused")
    endif()
  endforeach()
else()
  message(FATAL_ERROR "unknown CASE ${CASE}")
endif()
