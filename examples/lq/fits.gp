# The data with outliers (t, v, tab-separated), the true velocity, and the fit of every q on one
# figure.  Columns of curves: t, then one fit per q (headers "q=...").
# gnuplot -e "curves='C.tsv'; data='D.tsv'; image='I.png'; n=4" fits.gp
set terminal pngcairo size 900,600 font 'sans,11'
set output image
set grid lc rgb '#dddddd'
set key top right box opaque
set xlabel 'time t (s)'
set ylabel 'velocity v (m/s)'
set title 'Cubic fits minimizing mean |f(t) - v|^q: larger q, more pull from the outliers'
# The particle's velocity without noise (data/gen_outliers.py).
g = 9.81; tau = 1.5; v0 = 20.0
truth(t) = (v0 + g * tau) * exp(-t / tau) - g * tau
set linetype 1 lc rgb '#009E73'
set linetype 2 lc rgb '#0072B2'
set linetype 3 lc rgb '#E69F00'
set linetype 4 lc rgb '#D55E00'
set linetype 5 lc rgb '#CC79A7'
set datafile separator tab
plot data using 1:2 with points pt 7 ps 0.8 lc rgb '#777777' title 'measurements (10 outliers)', \
     truth(x) with lines dt 2 lw 2 lc rgb '#000000' title 'true velocity', \
     for [j=1:n] curves using 1:(column(j + 1)) every ::1 with lines lw 2 lt j \
       title columnhead(j + 1)
