# Vitis HLS build script written by fpga-export 0.1.0 for 'small_cnn'.
# Run:  vitis_hls -f build_prj.tcl -tclargs csim=1 synth=1 cosim=0 export=0
#   or: vitis-run --mode hls --tcl build_prj.tcl -tclargs csim=1 synth=1
array set opt {csim 1 synth 1 cosim 0 export 0}
foreach arg $argv {
    if {[regexp {^(csim|synth|cosim|export)=([01])$} $arg -> key value]} {
        set opt($key) $value
    }
}

open_project -reset small_cnn_prj
set_top small_cnn
add_files firmware/small_cnn.cpp -cflags "-std=c++14 -I firmware"
add_files -tb small_cnn_test.cpp -cflags "-std=c++14 -I firmware"
add_files -tb tb_data
open_solution -reset "solution1" -flow_target vivado
set_part xcvu13p-flga2577-2-e
create_clock -period 5.0 -name default

if {$opt(csim)} {
    puts "fpga-export: C simulation"
    csim_design
}
if {$opt(synth)} {
    puts "fpga-export: synthesis"
    csynth_design
}
if {$opt(cosim)} {
    puts "fpga-export: co-simulation"
    cosim_design -trace_level all
}
if {$opt(export)} {
    puts "fpga-export: export IP"
    export_design -format ip_catalog
}
exit
